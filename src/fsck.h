/* fsck.h -- `skywatch fsck DIR`: a read-only check of a data directory. */
#ifndef SW_FSCK_H
#define SW_FSCK_H

/* argv as given to skywatch ("skywatch", "fsck", DIR); returns the exit status. */
int sw_fsck_main(int argc, char **argv);

#endif
