"""PostgreSQL with Citus (issue 27, decision 109), selected by `DATABASE_URL=citus://…`.

Django's postgresql backend creates auto fields as identity columns, and Citus can neither
distribute nor alter a table it manages that has one ("cannot complete operation on a
table with identity column"; a table that references a reference table is managed from
the moment it is created). This backend creates them as sequences (`serial`,
`bigserial`), as Django did before 4.1, from the first migration on; it is the postgresql
backend in everything else (its vendor is "postgresql"). Changing an auto field's type in
a later migration is not handled here: the Citus pass of CI would show it.

Its sessions modify shards over one connection a node (`citus.multi_shard_modify_mode =
sequential`): a transaction that deletes a batch's values (sharded) and then the batch (a
table with a foreign key to a reference table, which Citus keeps on one connection a node)
is refused in the default parallel mode ("cannot modify table … because there was a
parallel operation on a distributed table"). The feeds are sharded by batch (decision
110), so the night's large writes touch one shard each and lose nothing by it.
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

    def get_connection_params(self):
        params = super().get_connection_params()
        options = params.get("options", "")
        params["options"] = f"{options} -c citus.multi_shard_modify_mode=sequential".strip()
        return params
