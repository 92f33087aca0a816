//! Arrow Flight for Quiver (work in progress).
