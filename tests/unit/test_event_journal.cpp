// EventJournal: camera event spans beside a stream's recordings, read back
// after a restart, malformed lines skipped, the file bounded.
#include "recording/event_journal.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace camgate;

TEST (EventJournal, SpansSurviveARestartAndTheFileStaysBounded)
{
  gchar *dir = g_dir_make_tmp ("camgate-journal-XXXXXX", nullptr);
  const gint64 t0 = 1764900000LL * G_USEC_PER_SEC;
  {
    EventJournal journal (dir);
    journal.started ("camera.motion", "vsc", t0);
    journal.started ("camera.input", "1", t0 + 500000);
    journal.stopped ("camera.motion", "vsc", t0 + 3 * G_USEC_PER_SEC);
    journal.stopped ("camera.tamper", "x", t0);   // never started: nothing
    auto spans = journal.spans ();
    ASSERT_EQ (spans.size (), 2u);
    EXPECT_EQ (spans[0].type, "camera.motion");
    EXPECT_EQ (spans[0].end_us - spans[0].start_us, 3 * G_USEC_PER_SEC);
    EXPECT_EQ (spans[1].type, "camera.input");
    EXPECT_EQ (spans[1].end_us, 0);              // going on
  }
  // Garbage in the file (a hand edit, a torn write) is skipped.
  const std::string path = std::string (dir) + "/" + EventJournal::kFileName;
  {
    std::ofstream out (path, std::ios::app);
    out << "{not json\n{\"type\":\"camera.motion\",\"start\":\"yesterday\"}\n";
  }
  EventJournal again (dir);
  auto spans = again.spans ();
  ASSERT_EQ (spans.size (), 1u);
  EXPECT_EQ (spans[0].source, "vsc");
  EXPECT_EQ (spans[0].start_us, t0);
  std::ifstream written (path);
  std::string first_line;
  std::getline (written, first_line);
  EXPECT_EQ (first_line, "{\"type\":\"camera.motion\","
      "\"source\":\"vsc\",\"start\":\"2025-12-05T02:00:00.000Z\","
      "\"end\":\"2025-12-05T02:00:03.000Z\"}");

  // (The journal keeps milliseconds.)
  for (gint64 i = 0; i < (gint64) EventJournal::kMaxSpans + 10; i++) {
    again.started ("camera.motion", "vsc", t0 + i * 1000);
    again.stopped ("camera.motion", "vsc", t0 + i * 1000 + 500);
  }
  spans = again.spans ();
  EXPECT_LE (spans.size (), EventJournal::kMaxSpans);
  EXPECT_GE (spans.size (), EventJournal::kMaxSpans / 2);
  EXPECT_EQ (spans.back ().start_us,
      t0 + ((gint64) EventJournal::kMaxSpans + 9) * 1000);
  // The file holds what the journal keeps, no more.
  EXPECT_EQ (EventJournal (dir).spans ().size (), spans.size ());
  std::filesystem::remove_all (dir);
  g_free (dir);
}
