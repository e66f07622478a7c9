"""The application side of AWS's Price List: fetching offer files from the Bulk API (or reading
files a user downloaded), writing dated snapshots atomically into ``catalog_dir()``, showing
the rows in use, and refreshing the engine-version catalog from the RDS API.

The pure parts (selection rules, the streaming matcher) live in ``cost_model.price_list``.
"""
