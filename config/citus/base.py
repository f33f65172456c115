"""PostgreSQL with Citus (issue 27, decision 109), selected by `DATABASE_URL=citus://…`.

Django's postgresql backend creates auto fields as identity columns, and Citus can neither
distribute nor alter a table it manages that has one ("cannot complete operation on a
table with identity column"; a table that references a reference table is managed from
the moment it is created). This backend creates them as sequences (`serial`,
`bigserial`), as Django did before 4.1, from the first migration on; it is the postgresql
backend in everything else (its vendor is "postgresql"). Changing an auto field's type in
a later migration is not handled here: the Citus pass of CI would show it.
"""

from __future__ import annotations

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    data_types = base.DatabaseWrapper.data_types | {
        "AutoField": "serial",
        "BigAutoField": "bigserial",
        "SmallAutoField": "smallserial",
    }
    data_types_suffix: dict[str, str] = {}
