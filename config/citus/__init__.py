"""The database backend of a province on Citus: `DATABASE_URL=citus://…` (issue 27)."""
