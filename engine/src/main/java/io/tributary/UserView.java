package io.tributary;

/**
 * One user's view of an engine, for row-level security on a replica that serves several users (a node hands
 * each authenticated request the view of its user). Get one with {@link SyncEngine#forUser(String)}; it is
 * cheap, stateless and thread-safe.
 * <p>
 * <b>Entities</b> belong to the owner of their head event ({@link EntityState#userId()}). {@link #get},
 * {@link #query} and {@link #changes} show only the user's entities; an entity of another user, or of no user,
 * is as if unknown.
 * <p>
 * <b>The log</b> keeps its shape: {@link #read}, {@link #events}, {@link #eventBatches}, {@link #lacking} and
 * {@link #event} yield every event at its position, with each event that is not the user's replaced by its
 * {@linkplain Event#blank() blank}. A replica fed from a view therefore keeps gapless vectors and resumes by
 * vector like any other, yet never receives another user's data.
 * <p>
 * <b>Writes</b> are stamped with the user. A request naming another user, or writing to an entity whose head
 * belongs to another user (or to no user), fails with {@link RowLevelSecurityException} and stores nothing.
 * <b>Peer events</b> ({@link #apply}) of another user are refused, counted in
 * {@link SyncEngine.ApplyResult#refused()} and stored as blanks.
 * <p>
 * Every other word of {@link ReplicaView}'s contract holds as it is written there.
 */
public interface UserView extends ReplicaView {

	/**
	 * The user this view is for.
	 *
	 * @return the user id
	 */
	String userId();
}
