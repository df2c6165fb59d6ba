"""Django database engines of this project."""
