// The `transcode:` section: a ladder as users write it, and each kind of
// mistake as a "file:line: reason".
#include "config/pipeline_file.h"
#include "config/text_helpers.h"

#include <gtest/gtest.h>

using namespace camgate;

namespace {

std::vector<ConfigError>
errors_of (const std::string & text, StreamSpec & spec)
{
  std::vector<ConfigError> errors;
  parse_pipeline_text (text, "cams/door.yaml", spec, errors);
  return errors;
}

std::string
first_error (const std::string & text)
{
  StreamSpec spec;
  auto errors = errors_of (text, spec);
  return errors.empty () ? "" : errors.front ().to_string ();
}

const std::string kSource = "source:\n  uri: rtsp://cam/1\n";

}  // namespace

TEST (TranscodeConfig, ALadderAsUsersWriteIt)
{
  StreamSpec spec;
  auto errors = errors_of (kSource + "transcode:\n  encoder: software\n"
      "  on-demand: false\n  renditions:\n"
      "    - { name: 720p, height: 720, bitrate: 2500k }\n"
      "    - { name: 360p, height: 360, bitrate: 0.6M, fps: 15 }\n", spec);
  ASSERT_TRUE (errors.empty ()) << errors.front ().to_string ();
  EXPECT_EQ (spec.transcode.encoder, "software");
  EXPECT_FALSE (spec.transcode.on_demand);
  ASSERT_EQ (spec.transcode.renditions.size (), 2u);
  EXPECT_EQ (spec.transcode.renditions[0],
      (RenditionSpec { "720p", 720, 2500000, 0 }));
  EXPECT_EQ (spec.transcode.renditions[1],
      (RenditionSpec { "360p", 360, 600000, 15 }));

  StreamSpec plain;
  ASSERT_TRUE (errors_of (kSource, plain).empty ());
  EXPECT_FALSE (plain.transcode.enabled ());
  EXPECT_EQ (plain.transcode.encoder, "auto");
  EXPECT_TRUE (plain.transcode.on_demand);
  EXPECT_FALSE (plain.same_definition (spec));
}

TEST (TranscodeConfig, MistakesNameTheirLine)
{
  const std::string head = kSource + "transcode:\n  renditions:\n";
  EXPECT_EQ (first_error (head + "    - { name: a, height: 63, bitrate: 1M }\n"),
      "cams/door.yaml:5: transcode.renditions[0].height: expected a number "
      "64-4320, got '63'");
  EXPECT_EQ (first_error (head + "    - { name: a, height: 361, bitrate: 1M }\n"),
      "cams/door.yaml:5: transcode.renditions[0].height: must be even (H.264 "
      "halves the colour resolution), got 361");
  EXPECT_EQ (first_error (head + "    - { name: a, height: 360, bitrate: 60k }\n"),
      "cams/door.yaml:5: transcode.renditions[0].bitrate: expected a bitrate "
      "64k-50M such as 600k or 2.5M, got '60k'");
  EXPECT_EQ (first_error (head + "    - { name: a, height: 360, bitrate: 51M }\n"),
      "cams/door.yaml:5: transcode.renditions[0].bitrate: expected a bitrate "
      "64k-50M such as 600k or 2.5M, got '51M'");
  EXPECT_EQ (first_error (head + "    - { name: source, height: 360, "
          "bitrate: 1M }\n"), "cams/door.yaml:5: transcode.renditions[0].name: "
      "'source' must be a word of letters, digits, '-', '_' and '.' other "
      "than 'source' (the camera's own stream) and 'h264' (the camera's "
      "picture as H.264, which every stream with WebRTC has)");
  EXPECT_NE (first_error (head + "    - { name: h264, height: 360, "
          "bitrate: 1M }\n").find ("'h264' must be"), std::string::npos);
  EXPECT_EQ (first_error (head + "    - { name: a, height: 360, bitrate: 1M }\n"
          "    - { name: a, height: 240, bitrate: 1M }\n"),
      "cams/door.yaml:6: transcode.renditions[1].name: 'a' is used twice");
  EXPECT_EQ (first_error (head + "    - { name: a, heigth: 360, bitrate: 1M }\n"),
      "cams/door.yaml:5: unknown key 'transcode.renditions[0].heigth' (did "
      "you mean 'transcode.renditions[0].height'?)");
  EXPECT_EQ (first_error (head + "    - { name: a, bitrate: 1M }\n"),
      "cams/door.yaml:5: transcode.renditions[0]: missing 'height:'");
  std::string nine = head;
  for (int i = 0; i < 9; i++)
    nine += "    - { name: r" + std::to_string (i)
        + ", height: 360, bitrate: 1M }\n";
  EXPECT_EQ (first_error (nine), "cams/door.yaml:5: transcode.renditions: at "
      "most 8 renditions, got 9");
  EXPECT_EQ (first_error (kSource + "transcode:\n  encoder: nvnec\n"
          "  renditions:\n    - { name: a, height: 360, bitrate: 1M }\n"),
      "cams/door.yaml:4: transcode.encoder: 'nvnec' is neither one of auto, "
      "software, nvenc, va, qsv, vaapi, v4l2 nor an H.264 encoder element "
      "installed here (did you mean 'nvenc'?)");
  EXPECT_EQ (first_error (kSource + "transcode:\n  encoder: x264enc\n"
          "  renditions:\n    - { name: a, height: 360, bitrate: 1M }\n"), "");
  // An element that exists but makes no H.264.
  EXPECT_NE (first_error (kSource + "transcode:\n  encoder: vp8enc\n"
          "  renditions:\n    - { name: a, height: 360, bitrate: 1M }\n"), "");
  EXPECT_EQ (first_error (kSource + "transcode:\n  encoder: auto\n"),
      "cams/door.yaml:4: transcode.renditions: expected a list of one or more "
      "renditions");
}

TEST (TextHelpers, Bitrates)
{
  EXPECT_EQ (parse_bitrate ("2500k"), 2500000u);
  EXPECT_EQ (parse_bitrate ("1.5M"), 1500000u);
  EXPECT_EQ (parse_bitrate ("600000"), 600000u);
  EXPECT_FALSE (parse_bitrate ("fast"));
  EXPECT_FALSE (parse_bitrate ("1G"));
  EXPECT_FALSE (parse_bitrate ("-1k"));
}
