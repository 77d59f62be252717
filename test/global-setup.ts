/** Vitest global setup. Replaced by the database template builder in test/support. */
export default async function setup(): Promise<void> {}
