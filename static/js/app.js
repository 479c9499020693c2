// Our own scripts.
