"""Background work: thin task functions, an in-process runner with identity keys, the scheduler."""
