/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The program of a layer's link check (CMakeLists.txt): the layer's whole
 * archive plus the layers below it, so that a call from a layer into one
 * above it is an undefined reference and fails the build.
 */
int main(void)
{
	return 0;
}
