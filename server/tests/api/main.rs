//! Black-box tests: each starts the real server on 127.0.0.1:0 with a fresh database and
//! speaks HTTP to it. Every scenario runs twice, on SQLite and on the local PostgreSQL.

mod bulk;
mod harness;

mod account;
mod account_ends;
mod bad_input;
mod cancelled;
mod credential_race;
mod db_proxy;
mod devices;
mod doors;
mod edges;
mod final_sign_out;
mod guards;
mod limits;
mod logs;
mod mail;
mod mail_sink;
mod multi_process;
mod oauth;
mod openapi;
mod outage;
mod pages;
mod posts;
mod processes;
mod push_reasons;
mod refresh;
mod rotations_at_once;
mod set_receiver;
mod sign_in;
mod sign_out;
mod sign_out_all;
mod sign_out_sets;
mod signals;
mod startup;
mod tail;
mod token_api;
mod web_forms;
