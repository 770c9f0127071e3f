"""Pure array maths of the supply–price model: no I/O, no pandas, no plotting."""
