/* SPDX-License-Identifier: Apache-2.0 */
/* version.h: the release version, shown by `faultline version` and in User-Agent headers. */
#ifndef FL_CORE_VERSION_H
#define FL_CORE_VERSION_H
#define FL_VERSION "0.1.0-dev"
#endif
