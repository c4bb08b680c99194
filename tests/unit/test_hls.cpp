// LL-HLS playlist rules, blocking-reload decisions and delta updates; then
// cmafsink writing a folder a plain web server could serve.
#include "commands.h"
#include "gstcmafsink.h"
#include "hls/hls_output.h"
#include "media_playlist.h"
#include "segment_store.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace camgate::hls;

namespace {

// `segments` complete 2 s segments of ten 0.2 s parts, then `open_parts` of
// the next one.
MediaPlaylist
playlist_with (unsigned segments, unsigned open_parts, size_t window = 100)
{
  PlaylistConfig config;
  config.part_target = 0.2;
  config.target_duration = 2;
  config.window = window;
  MediaPlaylist playlist (config);
  int64_t pdt = 1764000000000;
  for (uint64_t msn = 0; msn <= segments; msn++) {
    unsigned parts = msn < segments ? 10 : open_parts;
    for (unsigned p = 0; p < parts; p++)
      playlist.add_part (msn, { p, 0.2, p == 0, {} },
          pdt + (int64_t) msn * 2000);
    if (msn < segments)
      playlist.complete_segment (msn, segment_uri (msn), 2.0);
  }
  return playlist;
}

size_t
count (const std::string & text, const std::string & what)
{
  size_t n = 0;
  for (size_t at = text.find (what); at != std::string::npos;
      at = text.find (what, at + 1))
    n++;
  return n;
}

// A new folder under the system's temporary one.
std::string
temp_dir (const char *pattern)
{
  g_autofree gchar *made = g_dir_make_tmp (pattern, nullptr);
  return made ? made : "";
}

// Runs a gst-launch description to its end: EOS, never an error. Callers
// wrap it in ASSERT_NO_FATAL_FAILURE.
void
run_to_eos (const std::string & launch)
{
  GstElement *pipeline = gst_parse_launch (launch.c_str (), nullptr);
  ASSERT_TRUE (pipeline) << launch;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE (msg, nullptr) << launch;
  EXPECT_EQ (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS) << launch;
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

}  // namespace

TEST (HlsPlaylist, RendersTheLowLatencyTags)
{
  std::string text = playlist_with (2, 3).render ();
  EXPECT_EQ (text.rfind ("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n",
          0), 0u) << text;
  EXPECT_NE (text.find ("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
          "CAN-SKIP-UNTIL=12.00000,PART-HOLD-BACK=0.60000\n"), std::string::npos);
  EXPECT_NE (text.find ("#EXT-X-PART-INF:PART-TARGET=0.20000\n"),
      std::string::npos);
  EXPECT_NE (text.find ("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI=\"init.mp4\"\n"),
      std::string::npos);
  EXPECT_EQ (count (text, "#EXT-X-PROGRAM-DATE-TIME:"), 3u);
  EXPECT_NE (text.find ("#EXT-X-PROGRAM-DATE-TIME:2025-11-24T16:00:00.000Z\n"),
      std::string::npos) << text;
  EXPECT_NE (text.find ("#EXT-X-PART:DURATION=0.20000,URI=\"part0.m4s\","
          "INDEPENDENT=YES\n"), std::string::npos);
  EXPECT_NE (text.find ("#EXTINF:2.00000,\nseg1.m4s\n"), std::string::npos);
  EXPECT_EQ (count (text, "#EXT-X-PART:"), 23u);
  // The hint names the part that will come next, and ends the playlist.
  EXPECT_TRUE (text.size () > 0 && text.substr (text.rfind ("#EXT")) ==
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part23.m4s\"\n") << text;
}

TEST (HlsPlaylist, PartsOnlyNearTheLiveEdgeAndWindowEviction)
{
  MediaPlaylist playlist = playlist_with (8, 1, 4);
  std::string text = playlist.render ();
  EXPECT_NE (text.find ("#EXT-X-MEDIA-SEQUENCE:4\n"), std::string::npos) << text;
  EXPECT_EQ (text.find ("seg3.m4s"), std::string::npos);
  // Parts of segments starting within three target durations (6 s) of the
  // end: segment 6 starts 4.2 s before it, segment 5 6.2 s.
  EXPECT_EQ (text.find ("\"part50.m4s\""), std::string::npos) << text;
  EXPECT_NE (text.find ("\"part60.m4s\""), std::string::npos) << text;
  auto removed = playlist.complete_segment (8, segment_uri (8), 0.2);
  EXPECT_EQ (removed.front (), "seg4.m4s");
  EXPECT_EQ (removed.size (), 11u);          // the segment and its ten parts
}

TEST (HlsPlaylist, BlockingReloadDecisions)
{
  MediaPlaylist playlist = playlist_with (3, 2);   // last: msn 3, parts 0-1
  EXPECT_EQ (playlist.readiness (3, 1), Readiness::Ready);
  EXPECT_EQ (playlist.readiness (3, 2), Readiness::Wait);
  EXPECT_EQ (playlist.readiness (2, std::nullopt), Readiness::Ready);
  EXPECT_EQ (playlist.readiness (3, std::nullopt), Readiness::Wait);
  EXPECT_EQ (playlist.readiness (4, 0), Readiness::Wait);
  // A part past a complete parent's last part is part 0 of the next one.
  EXPECT_EQ (playlist.readiness (2, 10), Readiness::Ready);
  EXPECT_EQ (playlist.readiness (0, 0), Readiness::Ready);
  // Too far ahead: more than two segments, or beyond the advance part limit.
  EXPECT_EQ (playlist.readiness (6, 0), Readiness::BadRequest);
  EXPECT_EQ (playlist.readiness (3, 40), Readiness::BadRequest);
  playlist.end ();
  EXPECT_EQ (playlist.readiness (9, 0), Readiness::Ready);
  EXPECT_NE (playlist.render ().find ("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ (playlist.render ().find ("PRELOAD-HINT"), std::string::npos);
}

TEST (HlsPlaylist, PartsAreNumberedAcrossSegments)
{
  MediaPlaylist playlist = playlist_with (1, 3);   // parts 0-9, then 10-12
  EXPECT_EQ (playlist.next_part_uri (), "part13.m4s");
  // Whether the next part continues segment 1 or opens segment 2, it is
  // the part the hint named.
  MediaPlaylist closing = playlist;
  closing.complete_segment (1, segment_uri (1), 0.6);
  EXPECT_EQ (closing.next_part_uri (), "part13.m4s");
  EXPECT_EQ (closing.add_part (2, { 0, 0.2, true, {} }, 0), "part13.m4s");
  EXPECT_EQ (playlist.add_part (1, { 3, 0.2, false, {} }, 0), "part13.m4s");
  EXPECT_EQ (closing.next_part_uri (), "part14.m4s");
}

TEST (HlsSegmentStore, TheHintedPartArrivesWhenASegmentClosesEarly)
{
  // An audio track closes a part or a segment at the next keyframe, before
  // the part count the video alone would reach: the hint must still
  // resolve to the part that follows.
  SegmentStore store (PlaylistConfig {});
  store.set_header ({ 1, 2, 3 }, {});
  store.add_chunk ({ .segment = 0, .part = 0, .duration = 0.2,
        .independent = true, .segment_start = true }, { 4 });
  store.add_chunk ({ .segment = 0, .part = 1, .duration = 0.1 }, { 5 });
  const std::string hint = "part2.m4s";
  EXPECT_NE (store.media_playlist ().find ("PRELOAD-HINT:TYPE=PART,URI=\""
          + hint + "\""), std::string::npos) << store.media_playlist ();
  EXPECT_TRUE (store.is_pending (hint));
  store.add_chunk ({ .segment = 1, .part = 0, .duration = 0.2,
        .independent = true, .segment_start = true }, { 6 });
  ASSERT_TRUE (store.file (hint));
  EXPECT_EQ (*store.file (hint), std::vector<uint8_t> { 6 });
  EXPECT_EQ (*store.file ("seg0.m4s"), (std::vector<uint8_t> { 4, 5 }));
}

TEST (HlsSegmentStore, TheMpdListsTheSegmentBeingBuilt)
{
  // A DASH client may only ask early (availabilityTimeOffset) for a segment
  // the timeline lists, and a live client joins inside the open segment.
  SegmentStore store (PlaylistConfig {});
  store.set_header ({ 1, 2, 3 }, {});
  store.add_chunk ({ .segment = 0, .part = 0, .duration = 2.0,
        .independent = true, .segment_start = true }, { 4 });
  store.add_chunk ({ .segment = 1, .part = 0, .duration = 0.2,
        .independent = true, .segment_start = true }, { 5 });
  std::string mpd = store.dash_manifest ();
  EXPECT_NE (mpd.find ("startNumber=\"0\""), std::string::npos) << mpd;
  EXPECT_NE (mpd.find ("<S t=\"0\" d=\"2000\"/>\n"
          "            <S t=\"2000\" d=\"2000\"/>\n          </SegmentTimeline>"),
      std::string::npos) << mpd;
  // At the end of the stream only complete segments remain, each with its
  // real length.
  store.add_chunk ({ .segment = 1, .part = 1, .duration = 0.3 }, { 6 });
  store.finish ();
  mpd = store.dash_manifest ();
  EXPECT_NE (mpd.find ("<S t=\"2000\" d=\"500\"/>\n          </SegmentTimeline>"),
      std::string::npos) << mpd;
  EXPECT_EQ (count (mpd, "<S "), 2u) << mpd;
}

TEST (HlsPlaylist, TargetDurationCoversLongGops)
{
  MediaPlaylist playlist = playlist_with (0, 0);
  playlist.add_part (0, { 0, 0.2, true, {} }, 0);
  EXPECT_FALSE (playlist.target_settled ());
  playlist.complete_segment (0, segment_uri (0), 4.0);   // a 4 s GOP camera
  EXPECT_TRUE (playlist.target_settled ());
  EXPECT_NE (playlist.render ().find ("#EXT-X-TARGETDURATION:4\n"),
      std::string::npos) << playlist.render ();
  // Settled: it never changes again (RFC 8216 §6.2.1), not for a shorter
  // segment, nor for one longer than the camera's GOP was.
  playlist.add_part (1, { 0, 0.2, true, {} }, 0);
  playlist.complete_segment (1, segment_uri (1), 2.0);
  playlist.add_part (2, { 0, 0.2, true, {} }, 0);
  playlist.complete_segment (2, segment_uri (2), 6.0);
  EXPECT_NE (playlist.render ().find ("#EXT-X-TARGETDURATION:4\n"),
      std::string::npos) << playlist.render ();
  EXPECT_EQ (playlist.overlong_segments (), 1u);
}

TEST (HlsPlaylist, DeltaUpdateSkipsOldSegments)
{
  MediaPlaylist playlist = playlist_with (10, 1);
  std::string full = playlist.render (false);
  std::string delta = playlist.render (true);
  // Skip boundary 12 s = six 2 s segments kept, four skipped.
  EXPECT_NE (delta.find ("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n"), std::string::npos)
      << delta;
  EXPECT_EQ (delta.find ("seg3.m4s"), std::string::npos);
  EXPECT_NE (delta.find ("seg4.m4s"), std::string::npos);
  EXPECT_EQ (full.find ("EXT-X-SKIP"), std::string::npos);
  EXPECT_EQ (count (full, "#EXTINF"), count (delta, "#EXTINF") + 4);
}

TEST (CmafSink, WritesAFolderForAnyWebServer)
{
  const std::string dir = temp_dir ("camgate-hls-XXXXXX");
  std::string launch = "videotestsrc num-buffers=250 ! video/x-raw,width=320,"
      "height=240,framerate=25/1,format=I420 ! x264enc key-int-max=25 "
      "! h264parse ! cmafsink name=s window=3 location=" + dir
      + " audiotestsrc num-buffers=430 ! audio/x-raw,rate=44100 ! voaacenc "
      "! aacparse ! s.audio";
  ASSERT_NO_FATAL_FAILURE (run_to_eos (launch));

  auto read = [&](const std::string & name) {
    std::ifstream in (dir + "/" + name);
    std::stringstream s;
    s << in.rdbuf ();
    return s.str ();
  };
  std::string media = read ("stream.m3u8");
  std::string multivariant = read ("index.m3u8");
  std::string mpd = read ("manifest.mpd");
  EXPECT_TRUE (std::filesystem::exists (dir + "/init.mp4"));
  EXPECT_NE (multivariant.find ("CODECS=\"avc1.6400"), std::string::npos)
      << multivariant;
  EXPECT_NE (multivariant.find (",mp4a.40.2\""), std::string::npos);
  EXPECT_NE (multivariant.find ("RESOLUTION=320x240"), std::string::npos);
  EXPECT_NE (multivariant.find ("\nstream.m3u8\n"), std::string::npos);

  // 10 s in 2 s segments with a window of 3: segments 0 and 1 are gone.
  EXPECT_FALSE (std::filesystem::exists (dir + "/seg0.m4s"));
  EXPECT_FALSE (std::filesystem::exists (dir + "/seg0.0.m4s"));
  EXPECT_NE (media.find ("#EXT-X-MEDIA-SEQUENCE:2\n"), std::string::npos)
      << media;
  EXPECT_NE (media.find ("#EXT-X-ENDLIST"), std::string::npos);

  // Every part within the target (but the final one at end of stream,
  // which takes the audio tail); every listed file exists and the segments
  // decode after the header.
  std::regex part_re ("#EXT-X-PART:DURATION=([0-9.]+),URI=\"([^\"]+)\"");
  std::vector<std::pair<double, std::string>> parts;
  for (auto it = std::sregex_iterator (media.begin (), media.end (), part_re);
      it != std::sregex_iterator (); ++it)
    parts.push_back ({ std::stod ((*it)[1]), (*it)[2].str () });
  ASSERT_GT (parts.size (), 10u);
  for (size_t i = 0; i + 1 < parts.size (); i++)
    EXPECT_LE (parts[i].first, 0.2 + 1e-6) << parts[i].second;
  for (const auto & p : parts)
    EXPECT_TRUE (std::filesystem::exists (dir + "/" + p.second)) << p.second;
  std::regex segment_re ("#EXTINF:([0-9.]+),\n(seg[0-9]+\\.m4s)");
  int segments = 0;
  for (auto it = std::sregex_iterator (media.begin (), media.end (),
          segment_re); it != std::sregex_iterator (); ++it, segments++) {
    std::string name = (*it)[2];
    EXPECT_TRUE (std::filesystem::exists (dir + "/" + name)) << name;
    std::ifstream init (dir + "/init.mp4", std::ios::binary);
    std::ifstream segment (dir + "/" + name, std::ios::binary);
    std::vector<uint8_t> joined ((std::istreambuf_iterator<char> (init)),
        std::istreambuf_iterator<char> ());
    joined.insert (joined.end (), std::istreambuf_iterator<char> (segment),
        std::istreambuf_iterator<char> ());
    std::string output = camgate::testing::ffprobe_frames (joined);
    if (output.empty ())
      continue;                    // no ffprobe here
    EXPECT_NE (output.find ("h264,"), std::string::npos) << name << output;
    EXPECT_EQ (output.find ("rror"), std::string::npos) << name << output;
    // DASH's file of each track: that track alone, decodable.
    for (const char *track : { "1", "2" }) {
      const std::string number = name.substr (3, name.size () - 7);
      std::ifstream track_init (dir + "/init-" + track + ".mp4",
          std::ios::binary);
      std::ifstream track_segment (dir + "/seg" + number + "-" + track
          + ".m4s", std::ios::binary);
      std::vector<uint8_t> view ((std::istreambuf_iterator<char> (
                  track_init)), std::istreambuf_iterator<char> ());
      view.insert (view.end (), std::istreambuf_iterator<char> (
              track_segment), std::istreambuf_iterator<char> ());
      std::string frames = camgate::testing::ffprobe_frames (view);
      const bool video = track[0] == '1';
      EXPECT_NE (frames.find (video ? "h264," : "aac,"), std::string::npos)
          << name << " track " << track << ": " << frames;
      EXPECT_EQ (frames.find (video ? "aac" : "h264"), std::string::npos)
          << frames;
      EXPECT_EQ (frames.find ("rror"), std::string::npos) << frames;
    }
  }
  EXPECT_EQ (segments, 3);

  EXPECT_NE (mpd.find ("type=\"dynamic\""), std::string::npos) << mpd;
  // Audio and video each their own AdaptationSet and files.
  EXPECT_EQ (count (mpd, "<AdaptationSet"), 2u) << mpd;
  EXPECT_NE (mpd.find ("contentType=\"video\" mimeType=\"video/mp4\""),
      std::string::npos) << mpd;
  EXPECT_NE (mpd.find ("contentType=\"audio\" mimeType=\"audio/mp4\""),
      std::string::npos) << mpd;
  EXPECT_NE (mpd.find ("codecs=\"mp4a.40.2\" bandwidth="), std::string::npos);
  EXPECT_NE (mpd.find ("audioSamplingRate=\"44100\""), std::string::npos);
  EXPECT_NE (mpd.find ("width=\"320\" height=\"240\""), std::string::npos);
  EXPECT_NE (mpd.find ("media=\"seg$Number$-1.m4s\""), std::string::npos);
  EXPECT_NE (mpd.find ("media=\"seg$Number$-2.m4s\""), std::string::npos);
  EXPECT_FALSE (std::filesystem::exists (dir + "/seg0-1.m4s"));
  EXPECT_TRUE (std::filesystem::exists (dir + "/seg2-2.m4s"));
  EXPECT_NE (mpd.find ("startNumber=\"2\""), std::string::npos) << mpd;
  EXPECT_NE (mpd.find ("availabilityTimeOffset="), std::string::npos);
  // Players place the live edge by the server's clock and a target a
  // second and a half behind it, with gentle catch-up.
  EXPECT_NE (mpd.find ("suggestedPresentationDelay=\"PT1.500S\""),
      std::string::npos) << mpd;
  EXPECT_NE (mpd.find ("<Latency target=\"1500\""), std::string::npos);
  EXPECT_NE (mpd.find ("<PlaybackRate min=\"0.95\" max=\"1.05\"/>"),
      std::string::npos);
  EXPECT_NE (mpd.find ("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" "
          "value=\"20"), std::string::npos);
  EXPECT_EQ (count (mpd, "<S "), 6u) << mpd;
  static const GMarkupParser well_formed_only = {};
  GMarkupParseContext *xml = g_markup_parse_context_new (&well_formed_only,
      (GMarkupParseFlags) 0, nullptr, nullptr);
  EXPECT_TRUE (g_markup_parse_context_parse (xml, mpd.c_str (), -1, nullptr));
  g_markup_parse_context_free (xml);
  std::filesystem::remove_all (dir);
}

// What a C or Python application does with cmafsink (as with hlssink2):
// files through the "get-file" action signal, changes as element messages.
TEST (CmafSink, AnApplicationGetsFilesAndChangesThroughGObject)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=100 "
      "! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc "
      "key-int-max=25 ! h264parse ! cmafsink name=s "
      "segment-duration=1000000000", nullptr);
  ASSERT_TRUE (pipeline);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus (pipeline);
  std::map<std::string, std::vector<std::string>> changes;
  for (;;) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR
            | GST_MESSAGE_ELEMENT));
    ASSERT_NE (m, nullptr);
    const GstMessageType type = GST_MESSAGE_TYPE (m);
    const GstStructure *s = gst_message_get_structure (m);
    if (type == GST_MESSAGE_ELEMENT && g_str_has_prefix (
            gst_structure_get_name (s), "cmafsink-"))
      changes[gst_structure_get_name (s)].push_back (
          gst_structure_get_string (s, "uri"));
    gst_message_unref (m);
    ASSERT_NE (type, GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  EXPECT_EQ (changes["cmafsink-header"], std::vector<std::string> {
        "init.mp4" });
  EXPECT_GE (changes["cmafsink-part"].size (), 15u);
  ASSERT_GE (changes["cmafsink-segment"].size (), 3u);
  EXPECT_EQ (changes["cmafsink-segment"][0], "seg0.m4s");

  auto get = [sink](const char *uri) {
    GBytes *bytes = nullptr;
    g_signal_emit_by_name (sink, "get-file", uri, &bytes);
    std::string out;
    if (bytes) {
      gsize size = 0;
      auto *data = static_cast<const char *> (g_bytes_get_data (bytes, &size));
      out.assign (data, size);
      g_bytes_unref (bytes);
    }
    return out;
  };
  const std::string playlist = get ("stream.m3u8");
  EXPECT_EQ (playlist.rfind ("#EXTM3U", 0), 0u) << playlist;
  const std::string last = changes["cmafsink-segment"].back ();
  EXPECT_NE (playlist.find (last), std::string::npos) << playlist;
  const std::string segment = get (last.c_str ());
  ASSERT_GT (segment.size (), 8u);
  EXPECT_EQ (segment.substr (4, 4), "styp");
  EXPECT_EQ (get ("init.mp4").substr (4, 4), "ftyp");
  EXPECT_NE (get ("manifest.mpd").find ("<MPD"), std::string::npos);
  EXPECT_EQ (get ("seg999.m4s"), "");
  EXPECT_EQ (get ("../etc/passwd"), "");

  gst_object_unref (sink);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

// The RFC 6381 CODECS value comes from GStreamer's codec utilities, for
// H.265 too: profile, compatibility flags, tier and level.
TEST (CmafSink, NamesH265ByItsProfileAndLevel)
{
  const std::string dir = temp_dir ("camgate-hevc-XXXXXX");
  std::string launch = "videotestsrc num-buffers=30 ! video/x-raw,width=320,"
      "height=240,framerate=25/1,format=I420 ! x265enc key-int-max=25 "
      "speed-preset=ultrafast ! h265parse ! cmafsink location=" + dir;
  ASSERT_NO_FATAL_FAILURE (run_to_eos (launch));

  std::ifstream in (dir + "/index.m3u8");
  std::stringstream text;
  text << in.rdbuf ();
  // Main profile (1), compatible with Main and Main 10 (0x60000000 read
  // backwards: 6), Main tier, level 2.1 or so (L63).
  std::smatch match;
  const std::string multivariant = text.str ();
  EXPECT_TRUE (std::regex_search (multivariant, match,
          std::regex ("CODECS=\"hvc1\\.1\\.6\\.L[0-9]+(\\.[0-9A-Fa-f]{2})*\"")))
      << multivariant;
  std::filesystem::remove_all (dir);
}

TEST (HlsOutputHealth, PartsAreOverdueAfterThreeTargetDurations)
{
  using camgate::HlsOutput;
  const int64_t s = G_USEC_PER_SEC;
  // Started, no part yet: a long first GOP is allowed 15 s.
  EXPECT_FALSE (HlsOutput::parts_overdue (100 * s, 90 * s, 0, 2));
  EXPECT_TRUE (HlsOutput::parts_overdue (106 * s, 90 * s, 0, 2));
  // Parts flowing: 5 s at least (1 s target), 6 s for 2 s, 12 s for 4 s.
  EXPECT_FALSE (HlsOutput::parts_overdue (104 * s, 0, 100 * s, 1));
  EXPECT_TRUE (HlsOutput::parts_overdue (106 * s, 0, 100 * s, 1));
  EXPECT_FALSE (HlsOutput::parts_overdue (105 * s, 0, 100 * s, 2));
  EXPECT_TRUE (HlsOutput::parts_overdue (107 * s, 0, 100 * s, 2));
  EXPECT_FALSE (HlsOutput::parts_overdue (111 * s, 0, 100 * s, 4));
  EXPECT_TRUE (HlsOutput::parts_overdue (113 * s, 0, 100 * s, 4));
  // A new source session (at 100 s): the last part, from the one before,
  // does not count; the new one gets the first-GOP grace.
  EXPECT_FALSE (HlsOutput::parts_overdue (110 * s, 100 * s, 95 * s, 2));
  EXPECT_TRUE (HlsOutput::parts_overdue (116 * s, 100 * s, 95 * s, 2));
}

TEST (DashManifest, GStreamerGetsATimelineFromZero)
{
  // GStreamer 1.22's DASH demuxers add the first listed segment's start to
  // their live position; for them the timeline begins at 0 with one entry,
  // numbered one before the first real segment, that lies outside the time
  // shift window.
  camgate::hls::DashPresentation p;
  p.config.target_duration = 1;
  p.config.part_target = 0.2;
  p.config.window = 3;
  p.start_number = 20;
  p.segments = { { 20000, 1000 }, { 21000, 1000 }, { 22000, 1000 } };
  p.representations = { { .track_id = 1, .video = true, .codecs = "avc1" } };
  const std::string plain = camgate::hls::render_dash_manifest (p);
  EXPECT_NE (plain.find ("startNumber=\"20\""), std::string::npos) << plain;
  EXPECT_NE (plain.find ("<SegmentTimeline>\n            <S t=\"20000\""),
      std::string::npos) << plain;
  p.timeline_from_zero = true;
  const std::string lead_in = camgate::hls::render_dash_manifest (p);
  EXPECT_NE (lead_in.find ("startNumber=\"19\""), std::string::npos) << lead_in;
  EXPECT_NE (lead_in.find ("<SegmentTimeline>\n            <S t=\"0\" d=\"20000\"/>\n"
          "            <S t=\"20000\" d=\"1000\"/>"), std::string::npos) << lead_in;
  // A timeline that starts at 0 already is left as it is.
  p.start_number = 0;
  p.segments = { { 0, 1000 } };
  EXPECT_EQ (camgate::hls::render_dash_manifest (p).find ("startNumber=\"-"),
      std::string::npos);
  EXPECT_EQ (count (camgate::hls::render_dash_manifest (p), "<S "), 1u);
}
