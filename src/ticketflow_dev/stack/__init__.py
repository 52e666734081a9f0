"""The deployed stack: the CDK CLI's deploy, its functions, code pushes, pre-warming, what a delete keeps and
what a crash lost, and the machine's prerequisites for all of it."""
