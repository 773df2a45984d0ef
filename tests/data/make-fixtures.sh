#!/bin/sh
# make-fixtures.sh - regenerate the OCR unit-test fixtures in this folder.
#
# Needs ImageMagick 6 (convert, with the DejaVu, DkgHandwriting and Humor Sans fonts),
# zint and python3 (standard library only).  The outputs are committed, so
# this only has to be run when a fixture changes.  All names and numbers
# on these pages are invented.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

FONT=DejaVu-Sans
HAND=DkgHandwriting
# PNGs without time stamps, so that a re-run gives identical files.
NODATE="-define png:exclude-chunks=date,time"

# A printed progress note: 8.5 x 5.5 in at 300 dpi, 11 pt text.  The date
# is drawn at a known place (x 700..1000, baseline 560) for the region test.
convert -size 2550x1650 xc:white -density 300 -units PixelsPerInch \
	-font "$FONT" -pointsize 14 -fill black \
	-annotate +200+250 'PROGRESS NOTE' \
	-pointsize 11 \
	-annotate +200+420 'Patient: Margaret Ellison' \
	-annotate +200+560 'Date of birth:' \
	-annotate +700+560 '03/14/1952' \
	-annotate +200+700 'Medical record number: 00482913' \
	-annotate +200+840 'The patient reports improved breathing since the last visit.' \
	-annotate +200+980 'Continue the current medication and return in four weeks.' \
	-annotate +200+1120 'Blood pressure was normal and the lungs were clear.' \
	-annotate +200+1260 'Signed by the attending physician on the ward.' \
	"$tmp/text.png"
g4() { convert "$1" -threshold 50% -type bilevel -density 300 \
	-units PixelsPerInch -compress Group4 "$2"; }
g4 "$tmp/text.png" text.tif
for r in 90 180 270; do
	convert text.tif -rotate $r +repage -type bilevel -compress Group4 "rot$r.tif"
done
# Turned 3 degrees clockwise, as a sheet fed crooked.
convert "$tmp/text.png" -background white -rotate 3 +repage "$tmp/skew.png"
g4 "$tmp/skew.png" skew3.tif

# Three pages, one word per page that says which it is.
for p in one two three; do
	convert -size 1275x825 xc:white -density 150 -units PixelsPerInch \
		-font "$FONT" -pointsize 16 -annotate +100+300 "Page $p of three" \
		"$tmp/p-$p.png"
done
convert "$tmp/p-one.png" "$tmp/p-two.png" "$tmp/p-three.png" \
	-threshold 50% -type bilevel -compress Group4 multi.tif

# A blank sheet (the back of a page fed duplex).
convert -size 1275x1650 xc:white -type bilevel -density 150 \
	-units PixelsPerInch $NODATE blank.png

# Resolution: none at all (PNG without pHYs), 200 dpi, and an absurd 5 dpi.
convert -size 300x100 xc:white -font "$FONT" -pointsize 40 \
	-annotate +10+70 'no dpi' -strip -type grayscale nodpi.png
convert -size 300x100 xc:white -font "$FONT" -pointsize 40 \
	-annotate +10+70 '200 dpi' -type grayscale -density 200 \
	-units PixelsPerInch $NODATE dpi200.png
convert -size 300x100 xc:white -font "$FONT" -pointsize 40 \
	-annotate +10+70 '5 dpi' -type grayscale -density 5 \
	-units PixelsPerInch -compress LZW dpi5.tif

# One small image per TIFF/PNG/JPEG flavour the loader must take.
convert -size 240x120 gradient:white-'#ffc890' -font "$FONT" -pointsize 40 \
	-fill '#182060' -annotate +12+78 'colour' -alpha off -depth 8 \
	"$tmp/colour.png"
convert "$tmp/colour.png" -compress LZW rgb-lzw.tif
convert "$tmp/colour.png" -compress Zip rgb-deflate.tif
convert "$tmp/colour.png" -compress JPEG -quality 80 rgb-jpeg.tif
convert "$tmp/colour.png" -colorspace Gray -compress RLE grey-packbits.tif
convert "$tmp/colour.png" -colors 16 -type Palette -compress LZW palette.tif
convert "$tmp/colour.png" -colorspace Gray -depth 16 -compress None grey16.tif
convert "$tmp/colour.png" -colorspace Gray -depth 16 $NODATE grey16.png
convert "$tmp/colour.png" -colors 16 -type Palette $NODATE palette.png
convert "$tmp/colour.png" -threshold 50% -type bilevel -compress Fax g3.tif
convert "$tmp/colour.png" -quality 85 colour.jpg

# Tiled TIFF: valid, but Leptonica cannot decode tiles, so it is refused.
convert text.tif -define tiff:tile-geometry=256x256 -compress Group4 tiled.tif

# A form: printed labels, handwritten values.
convert -size 2550x1100 xc:white -density 300 -units PixelsPerInch \
	-font "$FONT" -pointsize 12 -fill black \
	-annotate +150+200 'AUTHORIZATION TO RELEASE INFORMATION' \
	-annotate +150+420 'Patient name:' \
	-annotate +150+620 'Date of birth:' \
	-annotate +150+820 'Signature:' \
	-draw 'line 800,440 2300,440' -draw 'line 800,640 2300,640' \
	-draw 'line 800,840 2300,840' \
	-font "$HAND" -pointsize 20 -fill '#102080' \
	-annotate +830+415 'Walter Brennan' \
	-annotate +830+615 '07/22/1948' \
	-annotate +830+815 'W. Brennan' \
	-colorspace Gray -depth 8 $NODATE form.png

# A ruled ward-round form: an all-capital printed header and a body in
# handwriting, fed upside down.  Too few printed ascenders to tell up
# from down, so orientation has to read the header both ways.
set -- -stroke black -strokewidth 3 -fill none \
	-draw 'rectangle 120,560 2430,1700' -draw 'line 380,560 380,1700'
y=670
while [ $y -le 1700 ]; do
	set -- "$@" -draw "line 120,$y 2430,$y"
	y=$((y + 110))
done
set -- "$@" -stroke none -fill black -font DejaVu-Sans-Bold -pointsize 14 \
	-annotate +150+200 'RIVERBEND COMMUNITY HOSPITAL' \
	-font "$FONT" -pointsize 9 \
	-annotate +150+270 'WARD ROUND NOTES - USE BLACK INK' \
	-annotate +150+530 'DATE / TIME' -annotate +420+530 'NOTES' \
	-font "$HAND" -pointsize 17 -fill '#101060' \
	-annotate +140+650 '3/4/25' \
	-annotate +420+650 'Pt comfortable overnight, afebrile' \
	-annotate +420+760 'Wound clean and dry, eating well' \
	-annotate +420+870 'Plan: mobilise, drain out tomorrow'
convert -size 2550x1800 xc:white -density 300 -units PixelsPerInch "$@" \
	-rotate 180 -threshold 55% -type bilevel -compress Group4 handform180.tif

# A handwritten letter at 200 dpi, upright, with a faint margin rule that
# thresholding left as a column of dots.  Its wavering lines and the dots
# once measured as a page turned sideways.
set -- -stroke none -fill black
y=60 i=0
while [ $y -le 2140 ]; do
	i=$((i + 1))
	if [ $((i % 7)) -ne 0 ]; then
		set -- "$@" -draw "rectangle 85,$y 86,$((y + 1))"
	fi
	y=$((y + 6 + i * 37 % 11))
done
set -- "$@" -font "$HAND" -pointsize 16 -fill '#101060' \
	-annotate +600+200 'Aug 17, 2024' \
	-annotate +160+330 'To whom it may concern,' \
	-annotate +160+480 'I am Ethan Adams, born on Dec. 3, 1966, and' \
	-annotate +160+560 'I was your patient this year. I would like' \
	-annotate +160+640 'a copy of my records from my visit in the' \
	-annotate +160+720 'summer for my new doctor.' \
	-annotate +160+880 'You can reach me at 555-0185 any afternoon.' \
	-annotate +160+1040 'Yours truly,' -annotate +160+1120 'Ethan Adams'
convert -size 1700x2200 xc:white -density 200 -units PixelsPerInch "$@" \
	-threshold 55% -type bilevel -compress Group4 letter200.tif

# A handwritten letter at 300 dpi, upright, in a hand whose loops and
# descenders make the ascender count say "upside down" (-5.6).
convert -size 2550x3300 xc:white -density 300 -units PixelsPerInch \
	-font Humor-Sans -pointsize 16 -fill '#101060' \
	-annotate +900+300 'Sept 14, 2023' \
	-annotate +240+480 'Dear Dr. Lindholm,' \
	-annotate +240+640 'I am writing about my husband Stephen Moore,' \
	-annotate +240+760 'date of birth June 24, 1989. He was seen by you' \
	-annotate +240+880 'recently. Since coming home he is very tired' \
	-annotate +240+1000 'and hardly eating. Should he stop the pills?' \
	-annotate +240+1120 'Please call me at 555-0143 any afternoon.' \
	-annotate +240+1280 'Kind regards,' -annotate +240+1400 'Sara Moore' \
	-threshold 55% -type bilevel -compress Group4 letter300.tif

# Barcodes as found on patient labels.
zint -b CODE128 --scale 2 -d 'MRN00482913' -o "$tmp/c128.png"
zint -b QRCODE --scale 4 -d 'CR:00482913:19520314' -o "$tmp/qr.png"
zint -b CODE39 --scale 2 -d 'A1234567' -o "$tmp/c39.png"
convert "$tmp/c128.png" -colorspace Gray -depth 8 $NODATE code128.png
convert "$tmp/qr.png" -type bilevel $NODATE qr.png
# ...and a label stuck on a page of text.
convert "$tmp/text.png" "$tmp/c39.png" -geometry +1500+1300 -composite \
	-threshold 50% -type bilevel -compress Group4 label-page.tif
# A patient label as charts carry them: name, MRN, DOB and attending in a
# rounded box over a Code 39 barcode, stuck on 0.8 degrees askew, above a
# ruled notes table.  Read with its bars and border, the label's lines
# come back as one garbled word and the page's title is lost.
zint -b CODE39 --scale 2 --height 40 -d '30571948' -o "$tmp/c39s.png"
convert -size 960x480 xc:white -density 300 -units PixelsPerInch \
	-fill none -stroke black -strokewidth 4 \
	-draw 'roundrectangle 6,6 953,473 30,30' -stroke none -fill black \
	-font DejaVu-Serif-Bold -pointsize 11 \
	-annotate +40+80 'HOLLAND, PETRA' -annotate +40+140 'MRN: 30571948' \
	-annotate +40+200 'DOB: 07/19/1961   64Y   F' \
	-annotate +40+260 'ATT: OKAFOR' \
	"$tmp/c39s.png" -geometry +40+290 -composite \
	-background white -rotate 0.8 "$tmp/sticker.png"
convert -size 2550x1400 xc:white -density 300 -units PixelsPerInch \
	-font "$FONT-Bold" -pointsize 16 -fill black \
	-annotate +700+120 'Progress Notes' \
	"$tmp/sticker.png" -geometry +230+300 -composite \
	-stroke black -strokewidth 3 \
	-draw 'line 220,900 2330,900' -draw 'line 220,1000 2330,1000' \
	-draw 'line 220,900 220,1380' -draw 'line 600,900 600,1380' \
	-draw 'line 2330,900 2330,1380' -stroke none -pointsize 10 \
	-annotate +250+970 'DATE' -annotate +640+970 'NOTES' \
	-threshold 50% -type bilevel -compress Group4 label-box.tif

# Hostile and broken files.
: > empty.tif
printf 'not an image, just some text\n' > notimage.txt
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' > scan.pdf
python3 - <<'PY'
import struct, zlib

def tiff(w, h, bps, data_len, name, data=b'', rows=None):
    """Little-endian TIFF, IFD first at offset 8, one strip after it."""
    rows = rows or h
    entries = [
        (256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, bps),
        (259, 3, 1, 1 if bps != 1 else 4), (262, 3, 1, 1 if bps != 1 else 0),
        (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, rows),
        (279, 4, 1, data_len),
    ]
    ifd_len = 2 + 12 * len(entries) + 4
    data_off = 8 + ifd_len
    out = bytearray(b'II*\x00' + struct.pack('<I', 8))
    out += struct.pack('<H', len(entries))
    for tag, typ, cnt, val in entries:
        if tag == 273:
            val = data_off
        if typ == 3:
            out += struct.pack('<HHIHH', tag, typ, cnt, val, 0)
        else:
            out += struct.pack('<HHII', tag, typ, cnt, val)
    out += struct.pack('<I', 0)
    out += data
    open(name, 'wb').write(out)

# Claims 200000 x 200000 1-bit pixels (5 GB decoded) in 200 bytes.
tiff(200000, 200000, 1, 4096, 'huge.tif', b'\x00' * 64)
# A valid 8-bit 400 x 300 uncompressed header whose strip is cut short.
tiff(400, 300, 8, 400 * 300, 'trunc-strip.tif', b'\x80' * 5000)

def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + \
        struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
sig = b'\x89PNG\r\n\x1a\n'
ihdr = struct.pack('>IIBBBBB', 200000, 200000, 8, 0, 0, 0, 0)
open('huge.png', 'wb').write(sig + chunk(b'IHDR', ihdr) +
                             chunk(b'IDAT', zlib.compress(b'\x00' * 64)) +
                             chunk(b'IEND', b''))
# JPEG SOF0 claiming 60000 x 60000, 1 component.
sof = struct.pack('>BHHB', 8, 60000, 60000, 1) + b'\x01\x11\x00'
open('huge.jpg', 'wb').write(b'\xff\xd8' + b'\xff\xc0' +
                             struct.pack('>H', 2 + len(sof)) + sof +
                             b'\xff\xd9')

def cut(src, dst, frac):
    b = open(src, 'rb').read()
    open(dst, 'wb').write(b[:int(len(b) * frac)])
cut('text.tif', 'trunc.tif', 0.5)
cut('colour.jpg', 'trunc.jpg', 0.5)
cut('nodpi.png', 'trunc.png', 0.6)
PY
