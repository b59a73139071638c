-- The name shown with a user's public posts, chosen at sign-up. NULL when none was chosen
-- (every account made before this column, and sign-ups that left it blank): the app then
-- shows a neutral name derived from the id ("Member 3f2a9c"), never the email address.
-- Derived at read time rather than written here, so the one rule lives in one place
-- (`backend/display_name.rs`) for both dialects.
ALTER TABLE users ADD COLUMN display_name TEXT;
