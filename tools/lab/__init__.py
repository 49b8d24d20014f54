# SPDX-License-Identifier: GPL-2.0
"""The lab: build, boot, test and measure the guest kernels."""
