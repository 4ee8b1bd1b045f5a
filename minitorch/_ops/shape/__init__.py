"""Shape ops: views (no copy), copies that reorder, joins and splits."""
