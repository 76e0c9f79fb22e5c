"""Use cases, one module per aggregate. The only code that writes.

Each use case: load, check scope, apply rules, write + append audit, in the
caller's transaction. Raising a DomainError means nothing was written: the
caller (GraphQL mutation, CLI, importer) rolls back.
"""
