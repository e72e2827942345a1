"""Stand-in for the get-pip.py that ansible-test downloads for its venvs.

ansible-test bootstraps pip in each sanity venv with a get-pip.py fetched
from a CI file host that is not reachable here. Run in its place (same
arguments: pip install options and packages such as pip==24.2), this
bootstraps pip from the interpreter's bundled ensurepip wheel, then
installs the requested packages from the package index.
"""

import subprocess
import sys

# get-pip.py options that pip install does not take.
GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')


def main():
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
