# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The scapy names the tests and the demo build frames with.

`from scapy.all import *` loads every layer scapy has, about a hundred
modules: 0.7 s on a host, 3.1 s under qemu's TCG (make test-kernels),
where a test sends many times.  These modules alone take 0.3 s and 1.1 s.
A frame spec (scapy_send.py, flood.py) may use any name here; a layer
from another module is added to this list.
"""
# flake8: noqa: F401
from scapy.config import conf
from scapy.packet import Raw
from scapy.volatile import RandByte, RandShort
from scapy.layers.l2 import Ether, Dot1Q, Dot1AD, ARP
from scapy.layers.inet import IP, TCP, UDP, ICMP, fragment
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.arch import get_if_hwaddr
from scapy.sendrecv import sendp
from scapy.utils import PcapWriter
