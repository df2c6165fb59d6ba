"""Bulk import and export of the app's content.

The engine knows no content app: each app registers what it brings in its
own `importing.py` (see `specs`), so dependencies point one way, from the
apps to this package.

- `specs`: the registry of importable/exportable tables and the hooks an
  app gives them; the app's camelCase keys mapped onto their columns;
- `formats`: the registry of file formats (JSON, CSV, XLSX), each with its
  reader (`readers`) and writer (`writers`);
- `services`: the import engine's entry points, over `convert` (values),
  `plan` (validation and diff) and `write` (the SQL);
- `exporting`: querysets to any registered format through the resources;
- `admin`: the admin mixin with upload -> preview -> confirm and export;
- `uploads`, `jobs`: uploads between preview and confirm, background jobs.
"""
