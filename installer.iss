; Hushdesk — Windows installer (Inno Setup 6).
;
;   ISCC /DVersion=0.1.0 installer.iss        (packaging/build.py does this on Windows)
;
; Installs the PyInstaller one-folder build (dist\hushdesk\) per user, without admin
; rights by default. User data (conversations, documents, models, settings) lives in the
; user's AppData folders, never under {app}; the uninstaller leaves it unless the user
; asks for it to be removed.

#ifndef Version
  #define Version "0.1.0"
#endif
#define AppName "Hushdesk"
#define AppExe "hushdesk.exe"
#define BuildDir "dist\hushdesk"

[Setup]
; The AppId identifies the app across versions: never change it.
AppId={{6B8E3C2A-4F1D-4E7B-9C55-2D0A7E1F9B34}
AppName={#AppName}
AppVersion={#Version}
AppVerName={#AppName} {#Version}
AppPublisher=Hushdesk
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=dist
OutputBaseFilename=Hushdesk-{#Version}-setup
SetupIconFile=packaging\windows\hushdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/fast
SolidCompression=no
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A previous build's files must not mix with this one's (renamed or removed libraries).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// Ask, at uninstall, whether to delete the user's data as well (default: keep it).
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    DataDir := ExpandConstant('{localappdata}\Hushdesk');
    if DirExists(DataDir) then
      if MsgBox('Also delete your Hushdesk data (conversations, documents, downloaded models and settings) in ' + DataDir + '?',
                mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
        DelTree(DataDir, True, True, True);
  end;
end;
