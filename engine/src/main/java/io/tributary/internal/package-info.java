/**
 * The engine's implementation. Public only so that the engine's packages can share it: not API, may
 * change in any release.
 */
package io.tributary.internal;
