"""Helpers below every app: encryption and keyed hashes, masking, the one table reader and
the one xlsx writer. Nothing here knows a model; every app may import it."""
