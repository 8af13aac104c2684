/* SPDX-License-Identifier: BSD-2-Clause */
/* The host's KVM_SIGNAL_MSI entry path (kvm_msi.h). */
#include "kvm_msi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kvm_msi_signal(int vm_fd, uint64_t doorbell, uint32_t data, uint32_t devid)
{
	struct kvm_msi msi = {.address_lo = (uint32_t)doorbell,
			      .address_hi = (uint32_t)(doorbell >> 32),
			      .data = data,
			      .flags = KVM_MSI_VALID_DEVID,
			      .devid = devid};
	if (ioctl(vm_fd, KVM_SIGNAL_MSI, &msi) < 0 && errno == EINVAL)
		return 0;
	return -1;
}

int kvm_msi_open(const char **why)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		int e = errno;
		*why = e == ENOENT ? "no /dev/kvm" : "/dev/kvm cannot be opened";
		return -e;
	}
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	int e = errno;
	close(kvm);
	if (vm < 0) {
		*why = "KVM_CREATE_VM failed";
		return -e;
	}
	/* A NULL message must fault in copy_from_user: proof that the path
	 * copies before it refuses. Emulators without KVM fail both. */
	if (ioctl(vm, KVM_SIGNAL_MSI, NULL) == 0 || errno != EFAULT ||
	    kvm_msi_signal(vm, 0, 0, 0) != 0) {
		close(vm);
		*why = "KVM_SIGNAL_MSI does not copy and refuse as expected";
		return -ENOTSUP;
	}
	return vm;
}

void kvm_msi_close(int vm_fd)
{
	if (vm_fd >= 0)
		close(vm_fd);
}
