"""Bulk import and export of the app's content (issue 4).

- `specs`: which models import/export, and how the app's camelCase keys map
  onto their columns;
- `readers`: JSON (the app's export format), CSV and XLSX files to records;
- `services`: the import engine (validate, diff, write in few statements);
- `exporting`: querysets to JSON/CSV/XLSX through django-import-export;
- `admin`: the admin mixin with upload -> preview -> confirm and export.
"""
