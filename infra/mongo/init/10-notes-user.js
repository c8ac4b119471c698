// Runs once, on the first start of an empty volume (the image's docker-entrypoint-initdb.d):
// the notes service's own user, allowed only on its own database.
const notes = db.getSiblingDB("lms_notes");
notes.createUser({
  user: "lms_notes",
  pwd: process.env.LMS_NOTES_DB_PASSWORD,
  roles: [{ role: "readWrite", db: "lms_notes" }],
});
