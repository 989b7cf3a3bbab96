//! Helpers shared by the integration tests of this crate.
//!
//! Each test file that needs them declares `mod support;`. A test file uses only part of what is
//! here, so unused helpers are not an error.

#![allow(dead_code)]

pub mod ovs;
