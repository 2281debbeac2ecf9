/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pp-fuzz.h"

G_BEGIN_DECLS

/* For replay.c */
PpFuzzSeeds *pp_fuzz_seeds_new          (void);
void         pp_fuzz_seeds_free         (PpFuzzSeeds *seeds);
guint        pp_fuzz_seeds_get_n        (PpFuzzSeeds *seeds);
const char  *pp_fuzz_seeds_get_name     (PpFuzzSeeds *seeds,
                                         guint        i);
GBytes      *pp_fuzz_seeds_get_contents (PpFuzzSeeds *seeds,
                                         guint        i);

G_END_DECLS
