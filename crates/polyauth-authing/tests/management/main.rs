#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The ManagementClient over the emulator, a module of tests per module of the reference's
//! `ManagementClient` (users, roles, groups, orgs, policies, acl, applications, udf, ...).
//!
//! One test binary for all of them: each integration-test file is a binary of its own that
//! links every dependency again, and thirteen of them cost CI minutes and gigabytes of disk.
//! The tests of different modules run in parallel inside it.

#[path = "../common/mod.rs"]
mod common;

mod acl;
mod acl_access;
mod agreements;
mod applications;
mod audit;
mod groups;
mod orgs;
mod policies;
mod roles;
mod udf;
mod user_pool;
mod users;
mod white_list;
