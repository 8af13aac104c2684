/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stand-ins for the five libudev functions Debian's libhwloc.a references,
 * linked only into static builds (LB_STATIC; see cmake/arch.cmake): libudev
 * ships no static library. udev_new() returning NULL is what hwloc sees
 * when udev is unavailable, and it then reads sysfs directly, so topology
 * discovery is unchanged; the other four are never reached with a NULL
 * handle and return NULL all the same.
 */
#include <stddef.h>

struct udev;
struct udev_device;

struct udev *udev_new(void);
struct udev *udev_unref(struct udev *udev);
struct udev_device *udev_device_new_from_subsystem_sysname(struct udev *udev, const char *subsystem,
							   const char *sysname);
const char *udev_device_get_property_value(struct udev_device *dev, const char *key);
struct udev_device *udev_device_unref(struct udev_device *dev);

struct udev *udev_new(void)
{
	return NULL;
}

struct udev *udev_unref(struct udev *udev)
{
	(void)udev;
	return NULL;
}

struct udev_device *udev_device_new_from_subsystem_sysname(struct udev *udev, const char *subsystem,
							   const char *sysname)
{
	(void)udev;
	(void)subsystem;
	(void)sysname;
	return NULL;
}

const char *udev_device_get_property_value(struct udev_device *dev, const char *key)
{
	(void)dev;
	(void)key;
	return NULL;
}

struct udev_device *udev_device_unref(struct udev_device *dev)
{
	(void)dev;
	return NULL;
}
