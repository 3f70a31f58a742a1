/*
 * edit_distance.h -- similarity of short strings (edit_distance.c).
 */
#ifndef DUNNING_EDIT_DISTANCE_H
#define DUNNING_EDIT_DISTANCE_H

/* Characters compared at most: longer inputs are clipped. */
#define DUNNING_OSA_MAX		64

/*
 * 1 - optimal string alignment distance / longer length, both clipped to
 * DUNNING_OSA_MAX characters; 0 when either side is empty.
 */
extern float4 dunning_osa_similarity(const char *a, int la, const char *b, int lb);

#endif							/* DUNNING_EDIT_DISTANCE_H */
