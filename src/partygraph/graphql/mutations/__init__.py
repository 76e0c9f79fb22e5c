"""Root mutation fields, one module per aggregate; schema.py merges them."""
