"""Root query fields, one module per aggregate; schema.py merges them."""
