/**
 * Blind listening as the UI reads it (`GET /api/listen/pair`, `POST /api/votes`, `GET /api/ratings`): the
 * server's TypeBox schemas' static types, imported as types only so the bundle carries no TypeBox.
 */
export type { BlindTune, ListenPair, PlayerRating, RatingsResponse, RevealedTune, Verdict, VoteRequest, VoteResponse } from '../api/schemas';
