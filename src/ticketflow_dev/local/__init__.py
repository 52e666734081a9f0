"""The local stack: the AWS emulator, the warehouse and fake_bedrock as supervised background processes."""

from ticketflow_dev.local.service import Service, StackError
from ticketflow_dev.local.supervisor import Progress, ServiceStatus, default_services, down, status, up

__all__ = ["Progress", "Service", "ServiceStatus", "StackError", "default_services", "down", "status", "up"]
