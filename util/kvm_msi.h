/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's own KVM_SIGNAL_MSI entry path, for a model that injects MSIs.
 *
 * vgic_lpi_stress signals every MSI with ioctl(vm_fd, KVM_SIGNAL_MSI) on the
 * one VM file all its injector threads share. With /dev/kvm, a VM without
 * an in-kernel irqchip runs that exact path on this host: syscall entry,
 * the VM file's reference (shared by the injectors), kvm_vm_ioctl's
 * checks, copy_from_user of the 32-byte struct kvm_msi, then
 * kvm_send_userspace_msi refuses it (EINVAL: no irqchip) where the arm64
 * host would enter the ITS; the model does that part in user space.
 */
#ifndef LB_KVM_MSI_H
#define LB_KVM_MSI_H

#include <stdint.h>

/* Open /dev/kvm, create a VM and check that KVM_SIGNAL_MSI copies its
 * argument and then fails with EINVAL (a NULL argument must fault). The VM
 * file descriptor, or -errno with *why set to a one-line reason. */
int kvm_msi_open(const char **why);
void kvm_msi_close(int vm_fd);

/* One KVM_SIGNAL_MSI on vm_fd; 0 when the host refused it as expected. */
int kvm_msi_signal(int vm_fd, uint64_t doorbell, uint32_t data, uint32_t devid);

#endif
