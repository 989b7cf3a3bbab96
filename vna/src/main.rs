//! Placeholder until the agent's main program lands.

fn main() {}
