//! Emulator of the aigc server (work in progress: see the project's issues).
