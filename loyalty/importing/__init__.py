"""Row schemas and batch writers of `import_orders` and `import_order_lines`, on customers.importing's mechanism."""
