# -*- coding: utf-8 -*-
"""Render the gs_runtime role's templates for tests that run the result.

Jinja2 with Ansible's filters and the role's defaults and vars, as the template
module renders them (trim_blocks), without a playbook run. The scripts
write to /proc/graceful_shutdown; tests point them at a stand-in.
"""

from __future__ import annotations

import os
import shlex

import jinja2
import yaml
from ansible.plugins.filter.core import FilterModule

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ROLE = os.path.join(TOP, 'roles', 'gs_runtime')
PROC_LINE = 'proc=/proc/graceful_shutdown\n'


def render(name, **variables):
    """The text of roles/gs_runtime/templates/<name> with the defaults."""
    with open(os.path.join(ROLE, 'defaults', 'main.yml')) as defaults_file:
        context = yaml.safe_load(defaults_file)
    with open(os.path.join(ROLE, 'vars', 'main.yml')) as vars_file:
        context.update(yaml.safe_load(vars_file))
    context.update(ansible_managed='Ansible managed', **variables)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(ROLE, 'templates')),
        trim_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)
    filters = FilterModule().filters()
    # Ansible's default knows only Ansible's Undefined; Jinja's own does
    # the same for this environment's. (ansible-core < 2.19 has none.)
    for jinja_own in ('default', 'd'):
        filters.pop(jinja_own, None)
    environment.filters.update(filters)
    return environment.get_template(name).render(context)


def write_script(directory, name, proc_path=None, **variables):
    """Render template name to an executable in directory; its path.

    proc_path replaces /proc/graceful_shutdown in the script.
    """
    text = render(name, **variables)
    if proc_path is not None:
        assert text.count(PROC_LINE) == 1, 'no single %r' % PROC_LINE
        text = text.replace(PROC_LINE, 'proc=%s\n' % shlex.quote(proc_path))
    path = os.path.join(directory, name[:-len('.j2')])
    with open(path, 'w') as script:
        script.write(text)
    os.chmod(path, 0o755)
    return path
