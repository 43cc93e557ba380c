#!/bin/sh
# No init system in a container: packages must not start services while they install.
exit 101
