//! Emulator of the shangcloud server (work in progress: see the project's issues).
