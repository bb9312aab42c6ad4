// The C half of libhmmkit: everything is in <hmmkit/hmm.h> (static inline helpers) and in the
// Swift target HMMKitCAPI (the exported functions). SwiftPM needs one source file per C target.
#include "hmmkit/hmm.h"

unsigned int hmmkit_header_version(void) { return HMMKIT_API_VERSION; }
