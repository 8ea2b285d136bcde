//! Emulator of the authing server (work in progress: see the project's issues).
