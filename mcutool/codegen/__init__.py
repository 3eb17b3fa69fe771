"""C code generation (Jinja2 templates in templates/): model sources, weights, a host main."""
from mcutool.codegen.project import render_sources
from mcutool.codegen.write import write_project

__all__ = ["render_sources", "write_project"]
