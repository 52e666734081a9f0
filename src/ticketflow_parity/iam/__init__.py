"""IAM, checked locally: each call a function of the stack makes is evaluated, before it leaves, against the
policies the deployed template gives the function's role and the resource's own policy, as AWS would.

`evaluation` is the policy evaluation logic (IAM User Guide, "Policy evaluation logic"), `actions` maps an
SDK call to the IAM requests AWS authorises it as, `deployed` reads the policies the tooling writes at deploy
time, `check` refuses in flight, `recording` keeps what was asked for the mutation check.
"""

# The folder of the deployed stacks' policy files and of the calls recorded; set on the emulator, so every
# function's interpreter inherits it. Unset: no IAM check (the CLI and the tests call as the account's root).
POLICIES_VARIABLE = "TICKETFLOW_IAM_DIR"
