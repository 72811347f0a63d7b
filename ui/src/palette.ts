/** The map's colours: one per entry, in list order (red is left for refused sources). */
export const PALETTE = ['#2b7bd6', '#2ca02c', '#9467bd', '#17a2b8', '#b8a600', '#e377c2', '#8c564b', '#1abc9c', '#6f42c1', '#fd7e14', '#20c997', '#6c757d'] as const;
/** The colours of range sources: a reference's expansion is drawn in its source's colour (none is in PALETTE). */
export const SOURCE_PALETTE = ['#e8590c', '#0b7285', '#5c940d', '#862e9c', '#a61e4d', '#364fc7'] as const;
