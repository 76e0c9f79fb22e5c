"""GraphQL object types, one module per aggregate. Fields resolve straight from ORM rows."""
