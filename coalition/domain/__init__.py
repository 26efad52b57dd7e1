"""The domain: pure decision functions per aggregate (organisation, coalition), no I/O, no Flask, no clock."""
